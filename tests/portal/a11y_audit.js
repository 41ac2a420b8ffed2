// Runs in the page (tests/portal/test_accessibility_browser.py): the list of problems found,
// empty when the page passes.
() => {
  const problems = [];
  const lum = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(',').map(Number);
    if (p.length === 4 && p[3] === 0) return null;
    const ch = p.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const l = lum(getComputedStyle(e).backgroundColor);
      if (l !== null) return l;
    }
    return 1;  // white page
  };
  if (!document.documentElement.lang) problems.push('no lang on <html>');
  if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
  const skip = document.querySelector('a.skip[href="#main"]');
  if (!skip || !document.getElementById('main')) problems.push('no skip link to #main');
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push('img without alt: ' + img.src);
  }
  for (const field of document.querySelectorAll('input, select, textarea')) {
    if (field.type === 'hidden') continue;
    const box = field.getBoundingClientRect();
    const hidden = box.width <= 1 || box.height <= 1 || box.left < -1000;
    if (hidden && field.closest('[aria-hidden="true"], .hp, .fb-hp')) continue;
    const named = (field.labels && field.labels.length) || field.getAttribute('aria-label') || field.getAttribute('aria-labelledby') || field.title;
    if (!named) problems.push('field without a label: ' + (field.name || field.id));
  }
  for (const button of document.querySelectorAll('button, a[href]')) {
    if (!(button.innerText || '').trim() && !button.getAttribute('aria-label') && !button.querySelector('img[alt]:not([alt=""])'))
      problems.push('control without a name: ' + button.outerHTML.slice(0, 80));
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || seen.has(el)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || box.left < -1000) continue;
    const fg = lum(style.color); if (fg === null) continue;
    const bg = background(el);
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5) - 0.01)
      problems.push(`contrast ${ratio.toFixed(2)} for "${node.textContent.trim().slice(0, 30)}"`);
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    let widest = null;
    for (const el of document.body.querySelectorAll('*')) {
      const right = el.getBoundingClientRect().right;
      if (right > window.innerWidth + 1 && (!widest || right > widest[1])) widest = [el, right];
    }
    problems.push('wider than the screen: ' + (widest ? widest[0].outerHTML.slice(0, 80) : ''));
  }
  return problems;
}
