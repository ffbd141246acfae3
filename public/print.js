// Binds the print button; a separate file because the CSP allows no inline script.
for (const button of document.querySelectorAll('[data-action="print"]')) {
  button.addEventListener('click', () => window.print());
  button.hidden = false;
}

// 印刷日時 is when the page is printed, not when it was loaded: a page can stay open for hours.
// Written as formatJst (src/domain/format.ts) writes it, which rendered the time at load.
const printTimes = document.querySelectorAll('[data-print-time]');
window.addEventListener('beforeprint', () => {
  const jst = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date());
  const part = Object.fromEntries(jst.map((p) => [p.type, p.value]));
  const day = document.documentElement.lang === 'ja' ? `${Number(part.year)}年${Number(part.month)}月${Number(part.day)}日` : `${part.year}-${part.month}-${part.day}`;
  for (const time of printTimes) time.textContent = `${day} ${part.hour}:${part.minute}:${part.second} JST`;
});
