// Clearinghouse: small progressive enhancements; every page works without them.
// - "select all" boxes (data-select-all="NAME") tick every checkbox named NAME;
// - elements with data-copy copy their value to the clipboard when clicked;
// - the Tools menu closes when the reader clicks elsewhere;
// - links with data-back go back a page when there is one (else they follow href).
document.addEventListener("click", function (ev) {
  var t = ev.target;
  if (t.matches && t.matches("a[data-back]") && window.history.length > 1) {
    ev.preventDefault();
    window.history.back();
    return;
  }
  if (t.matches && t.matches("input[data-select-all]")) {
    var name = t.getAttribute("data-select-all");
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (b) {
      b.checked = t.checked;
    });
  }
  var copy = t.closest ? t.closest("[data-copy]") : null;
  if (copy && navigator.clipboard) {
    navigator.clipboard.writeText(copy.getAttribute("data-copy"));
    copy.classList.add("copied");
    setTimeout(function () { copy.classList.remove("copied"); }, 1200);
  }
  document.querySelectorAll("details.menu[open]").forEach(function (d) {
    if (!d.contains(t)) d.removeAttribute("open");
  });
});
