#!/usr/bin/env -S node --max-semi-space-size=64
// The `shosho` command (bin/shosho.js runs the sources); `npm start` and `npm run demo` run it too,
// so the node flags above are the service's in one place (ARCHITECTURE 18). An import that fails
// still ends the process, as an unhandled rejection.
void import('./shosho.js');
