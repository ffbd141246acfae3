// Drag and drop onto the key-notice field: the dropped files become the file input's files, so the
// form posts them as if chosen with the picker. Without this script the picker alone works.
(function () {
  'use strict';
  var zones = document.querySelectorAll('[data-notice-drop]');
  Array.prototype.forEach.call(zones, function (zone) {
    var input = zone.querySelector('input[type=file]');
    var list = zone.querySelector('.notice-drop-list');
    var template = zone.getAttribute('data-dropped-label') || '{names}';
    if (!input || !list) return;
    function show() {
      var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
      list.textContent = names.length ? template.replace('{names}', names.join('、')) : '';
    }
    zone.addEventListener('dragover', function (e) {
      e.preventDefault();
      zone.classList.add('is-dragging');
    });
    zone.addEventListener('dragleave', function () {
      zone.classList.remove('is-dragging');
    });
    zone.addEventListener('drop', function (e) {
      e.preventDefault();
      zone.classList.remove('is-dragging');
      if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        show();
      }
    });
    input.addEventListener('change', show);
  });
})();
