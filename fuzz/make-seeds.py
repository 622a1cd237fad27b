#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/Cndr.Fuzz (fuzz/corpus/<target>/) from the parser test tables in
tests/Cndr.Transport.Tests (HttpRequestParserTests, WebSocketFrameReaderTests, EngineIOPayloadReaderTests,
SocketIOPacketParserTests).
The http, websocket and engineio inputs start with one byte: the chunk size the bytes arrive in (0 = all at once)."""
import os, shutil

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
MASK = bytes([0x37, 0xFA, 0x21, 0x3D])


def write(target, seeds):
    d = os.path.join(root, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for i, s in enumerate(seeds):
        with open(os.path.join(d, f"seed-{i:03d}"), "wb") as f:
            f.write(s)


# HttpRequestParserTests: the valid head, the malformed table, keep-alive table; plus bodies and pipelining.
valid = b"POST /admin/rooms/ABC?x=1&EIO=4&sid=a%20b HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nAuthorization: Bearer t\r\nConnection: keep-alive\r\n\r\n"
http = [
    valid + b"hello",
    valid + b"hello" + b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /socket.io/?EIO=4&transport=polling&sid=-C1yd0x_ndXtv_4i HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n40\x1e42[\"a\"]",
    b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
    b"GET / HTTP/1.1\r\n folded: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
    b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    b"GET noslash HTTP/1.1\r\n\r\n",
    b"GET / HTTP/2.0\r\n\r\n",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
    b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n",
    b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
]
write("http", [bytes([c]) + s for s in http for c in (0, 7)])


# WebSocketFrameReaderTests.ClientFrame and its tables.
def frame(opcode, payload, fin=True, masked=True, rsv=0):
    h = bytearray([(0x80 if fin else 0) | rsv | opcode])
    m = 0x80 if masked else 0
    n = len(payload)
    if n < 126:
        h.append(m | n)
    elif n <= 0xFFFF:
        h += bytes([m | 126]) + n.to_bytes(2, "big")
    else:
        h += bytes([m | 127]) + n.to_bytes(8, "big")
    if masked:
        h += MASK
        payload = bytes(b ^ MASK[i & 3] for i, b in enumerate(payload))
    return bytes(h) + payload


ws = [
    frame(1, b'42["hello",{"a":1}]'),
    frame(2, b"x" * 126),
    frame(1, b'42["a', fin=False) + frame(9, b"hi") + frame(0, b'b",1', fin=False) + frame(0, b"]"),
    frame(1, bytes([0x34, 0xC3]), fin=False) + frame(0, bytes([0xA9])),
    frame(1, bytes([0x34, 0xC3]), fin=False) + frame(0, bytes([0x28])),
    frame(1, b"x", masked=False),
    frame(1, b"x", rsv=0x40),
    frame(3, b"x"),
    frame(9, b"x", fin=False),
    frame(1, b"a", fin=False) + frame(1, b"b"),
    frame(8, bytes([0x03])),
    frame(8, bytes([0x03, 0xE9]) + b"by"),
    frame(8, b""),
    frame(8, bytes([0x03, 0xE8, 0xFF])),
    frame(10, b"pong") + frame(1, b"2probe") + frame(1, b"5"),
    bytes([0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]),
]
write("websocket", [bytes([c]) + s for s in ws for c in (0, 3)])

# EngineIOPayloadReaderTests: the valid and malformed payload tables.
RS = "\x1e"
eio = [
    "4hello", "4", "3probe", '0{"sid":"abc"}', f"4hello{RS}2{RS}bAQID{RS}6", f"b{RS}4\u00e9\u2713",
    f'451-["a",{{"_placeholder":true,"num":0}}]{RS}bAAEC/w==', f"1{RS}5{RS}4a",
    RS, f"{RS}4a", f"4a{RS}", f"4a{RS}{RS}4b", "x", "7", f"4a{RS}9b", "b!!!!", "bAQ", "bAQ=", "bAQ I", "bA===", f"bAQID{RS}b=AAA",
]
write("engineio", [bytes([c]) + s.encode() for s in eio for c in (0, 3)])

# SocketIOPacketParserTests: valid and malformed tables; binary packets followed by their attachments.
sio = [
    b'2/custom,12["message",1,"2",{"3":[true]}]',
    b'2[ "a" , 1 ]',
    b'2["a\\u0062"]',
    b"0", b"0/custom,", b'0{"token":"123"}', b'0/custom,{"token":"abc"}', b"1/custom,",
    b'3456[1,"2"]',
    b'52-["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]\x1e\x01\x02\x03\x1e\xff',
    b'62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]\x1eab\x1ecd',
    b'51-/custom,3["m",{"_placeholder":true,"num":0}]\x1e',
    b"7[]", b'4{"message":"x"}', b"2[]", b'2["a"', b"29007199254740992[\"a\"]", b'511-["a"]', b'52["a"]',
    b'2["\\uZZZZ"]', b'2[1,2]',
]
write("socketio", sio)
print("seeds written to", root)
