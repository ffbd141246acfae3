/** Never download a browser: shosho drives Debian's chromium (CHROMIUM_PATH or /usr/bin/chromium). */
module.exports = { skipDownload: true };
