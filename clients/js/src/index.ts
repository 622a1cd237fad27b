export * from "./protocol.js";
export * from "./join.js";
