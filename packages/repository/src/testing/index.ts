/**
 * `@flowra/repository/testing`: the repository's behaviour as vitest tests, for running it on
 * a store of your own, and the tiny aggregate it uses.
 */
export { repositoryHarness } from './repository-harness.js';
export { Note, NoteAggregate, type NoteEvent, type NoteState } from './note.js';
export { Tally, type TallyState } from './tally.js';
