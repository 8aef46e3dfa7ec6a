import { flowraVitest } from '../../tooling/vitest.preset.js';

export default flowraVitest({
  mongo: true,
  // Most of the command's code runs in the child processes its tests start, which coverage
  // does not follow.
  coverageLines: 20,
});
