import { flowraVitest } from '../../tooling/vitest.preset.js';

export default flowraVitest({ coverageLines: 90 });
