import { flowraVitest } from '../../tooling/vitest.preset.js';

export default flowraVitest({ mongo: true, coverageLines: 85 });
