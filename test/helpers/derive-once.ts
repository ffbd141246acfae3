// A command that derives one key and ends without closing anything, as `shosho user add` does:
// prints the key in hex. It must neither exit before the key is there nor stay after it.
import { ScryptPool } from '../../src/auth/index.js';

const key = await new ScryptPool(2).derive('correct horse', Buffer.from('0123456789abcdef'), { ln: 14, r: 8, p: 1 });
process.stdout.write(`${key.toString('hex')}\n`);
