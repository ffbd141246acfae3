// Binds the print button; a separate file because the CSP allows no inline script.
for (const button of document.querySelectorAll('[data-action="print"]')) {
  button.addEventListener('click', () => window.print());
  button.hidden = false;
}
