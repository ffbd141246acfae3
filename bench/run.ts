/** `npm run bench` (package.json) runs this: the same as bench/run-all.ts. */
import './run-all.js';
