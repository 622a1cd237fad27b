#!/usr/bin/env python3
"""A whole cndr round from Python with python-socketio (Debian's python3-socketio).

Host, a player and an audience member join; game state, private player state, a message to the host, a poll
with results, the player's seat reclaimed after its connection dropped, and closing the room.

    python3 examples/python/cndr_round.py URL ROOMCODE HOSTKEY

Exits 0 when every step worked, 1 otherwise; every wait is bounded (10 s).
"""
import queue
import sys

import socketio

WAIT = 10


class RoomClient:
    """One cndr client: joins through connect auth and keeps the relay's events, in order, per event name."""

    def __init__(self, url, auth, events):
        self.sio = socketio.Client(reconnection=False)
        self.inbox = {}
        for name in list(events) + ["handshake_response", "relay_error"]:
            self.inbox[name] = queue.Queue()
            self.sio.on(name, self.inbox[name].put)
        self.sio.connect(url, auth=auth, wait_timeout=WAIT)
        self.hello = self.next("handshake_response")

    def next(self, event):
        """The oldest unread `event` (waits up to 10 s)."""
        try:
            return self.inbox[event].get(timeout=WAIT)
        except queue.Empty:
            raise TimeoutError(f"no {event} within {WAIT} s") from None

    def call(self, command, payload):
        """Sends a command with an ack and returns the ack; an error ack raises."""
        ack = self.sio.call(command, payload, timeout=WAIT)
        if ack.get("status") != "ok":
            raise RuntimeError(f"{command} failed: {ack.get('error')}")
        return ack

    def drop(self):
        """Closes the connection without leaving: a player's seat stays held, as after a network loss."""
        self.sio.disconnect()


def expect(ok, step):
    if not ok:
        raise AssertionError("check failed: " + step)
    print("-", step, flush=True)


def play_round(url, room_code, host_key):
    host = RoomClient(url, {"roomCode": room_code, "role": "host", "hostKey": host_key},
                      ["client_joined", "client_disconnected", "client_message"])
    expect(host.hello["status"] == "success", "host joined room " + room_code)

    player = RoomClient(url, {"roomCode": room_code, "role": "player", "meta": {"playerName": "Bo"}},
                        ["game_state", "player_state"])
    client_id, seat_token = player.hello["clientId"], player.hello["seatToken"]
    joined = host.next("client_joined")
    expect(joined["clientId"] == client_id, f"player {joined['meta']['playerName']} joined as {client_id}")

    audience = RoomClient(url, {"roomCode": room_code, "role": "audience"}, ["poll_started", "poll_ended", "room_closed"])
    host.next("client_joined")
    expect(audience.hello["role"] == "audience", "an audience member joined")

    rev = host.call("set_game_state", {"state": {"round": 1, "board": ["x", None, "o"]}})["rev"]
    state = player.next("game_state")
    expect(state["rev"] == rev and state["state"]["board"][2] == "o", f"game state rev {rev} reached the player: {state['state']}")

    host.call("set_player_state", {"clientId": client_id, "state": {"hand": ["Q", "J"]}})
    hand = player.next("player_state")
    expect(hand["state"]["hand"] == ["Q", "J"], f"private state reached its player: {hand['state']}")

    player.call("message_to_host", {"message": {"move": 7}})
    message = host.next("client_message")
    expect(message["clientId"] == client_id and message["message"] == {"move": 7}, f"host got the player's message: {message['message']}")

    host.call("poll_start", {"pollId": "snack", "type": "multiple_choice", "question": "Snacks?", "options": ["chips", "fruit", "nuts"]})
    poll = audience.next("poll_started")
    audience.call("poll_response", {"pollId": poll["pollId"], "response": ["option_0", "option_2"]})
    host.call("poll_end", {"pollId": "snack"})
    audience.next("poll_ended")
    results = host.call("poll_results_request", {"pollId": "snack"})["results"]
    expect(results == {"option_0": 1, "option_1": 0, "option_2": 1, "totalResponses": 1}, f"poll results: {results}")

    # The player's connection drops; the seat stays held and the player comes back into it with
    # clientId + seatToken (on this node or any other).
    player.drop()
    expect(host.next("client_disconnected")["clientId"] == client_id, "host saw the player's connection drop")
    back = RoomClient(url, {"roomCode": room_code, "role": "player", "clientId": client_id, "seatToken": seat_token},
                      ["room_closed"])
    expect(back.hello["reconnected"] and back.hello["clientId"] == client_id, "player reclaimed its seat")
    expect(back.hello["playerState"] == {"hand": ["Q", "J"]}, "and found its private state in the handshake response")
    expect(host.next("client_joined")["reconnected"], "host saw the seat come back")

    host.call("close_room", {})
    expect(back.next("room_closed")["reason"] == "closed_by_host", "room closed (closed_by_host)")
    audience.next("room_closed")
    for client in (host, back, audience):
        client.sio.disconnect()


def main():
    if len(sys.argv) < 4:
        print("usage: cndr_round.py URL ROOMCODE HOSTKEY", file=sys.stderr)
        return 2
    try:
        play_round(*sys.argv[1:4])
    except Exception as e:  # noqa: BLE001 - any failure ends the example with exit 1
        print("cndr_round: " + repr(e), file=sys.stderr)
        return 1
    print("cndr_round: a whole round worked", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
