// Mark the link to the current page in the "Recent articles" panel.
// The panel is cached once for the whole site, so this is done in the browser.
document.querySelectorAll(".recent a").forEach((link) => {
  if (link.pathname === window.location.pathname) {
    link.setAttribute("aria-current", "page");
  }
});
