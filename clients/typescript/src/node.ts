// @tally/client/node: everything of `@tally/client`, and FileJournal.
export * from "./index.js";
export { FileJournal } from "./file-journal.js";
