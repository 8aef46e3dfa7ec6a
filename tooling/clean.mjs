// Empties the package's dist before a build: tsup builds its configurations in parallel, so
// none of them may clean on its own.
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
