// Meeting mode's keys (app_pages/meeting.py): arrows, Page Up / Page Down and space click previous / next;
// F toggles full screen. Served from /app/static/ so the Content-Security-Policy needs no inline script.
(() => {
  const doc = window.parent ? window.parent.document : document;
  const win = doc.defaultView;
  if (win.__cccdMeetingKeys) return;
  win.__cccdMeetingKeys = true;
  const click = (key) => {
    const button = doc.querySelector(`.st-key-${key} button`);
    if (button && !button.disabled) { button.click(); return true; }
    return false;
  };
  doc.addEventListener('keydown', (event) => {
    const target = event.target;
    if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
    if (!doc.querySelector('.st-key-mt_next')) return;  // not in meeting mode
    let key = null;
    if (['ArrowRight', 'PageDown', ' ', 'Spacebar'].includes(event.key)) key = 'mt_next';
    if (['ArrowLeft', 'PageUp'].includes(event.key)) key = 'mt_prev';
    if (key) {
      event.preventDefault();
      if (doc.activeElement && doc.activeElement.blur) doc.activeElement.blur();  // no second click from a focused button
      click(key);
    } else if (event.key === 'f' || event.key === 'F') {
      if (doc.fullscreenElement) doc.exitFullscreen(); else doc.documentElement.requestFullscreen().catch(() => {});
    }
  });
})();
