// Select words in the article to add a claim. Every text run in the article carries its
// character offset (data-start), so a selection maps back to the stored text exactly.
(function () {
  "use strict";
  var text = document.getElementById("article-text");
  var form = document.getElementById("add-claim");
  if (!text || !form) { return; }
  var startField = form.querySelector("input[name=start]");
  var endField = form.querySelector("input[name=end]");
  var quote = document.getElementById("selection-quote");

  // The server counts characters (code points); JavaScript counts UTF-16 units, which differ
  // for characters such as emoji. Convert before adding to data-start.
  function codePoints(s) { return Array.from(s).length; }

  function offsetOf(node, offset) {
    var element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    var run = element && element.closest("[data-start]");
    if (!run || !text.contains(run)) { return null; }
    var before;
    if (node.nodeType === Node.TEXT_NODE) {
      before = codePoints(node.textContent.slice(0, offset));
    } else {
      // The selection points between child nodes: count the text before that point.
      before = 0;
      for (var i = 0; i < offset && i < node.childNodes.length; i++) {
        before += codePoints(node.childNodes[i].textContent);
      }
    }
    return parseInt(run.getAttribute("data-start"), 10) + before;
  }

  function update() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) { return; }
    var range = selection.getRangeAt(0);
    var start = offsetOf(range.startContainer, range.startOffset);
    var end = offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) { return; }
    startField.value = start;
    endField.value = end;
    quote.textContent = selection.toString().trim();
    form.hidden = false;
  }

  text.addEventListener("mouseup", update);
  text.addEventListener("keyup", update);
  text.addEventListener("touchend", update);
  // Keyboard selection (caret browsing, Shift+arrows) changes the selection without a mouse.
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (selection && selection.anchorNode && text.contains(selection.anchorNode)) { update(); }
  });
})();
