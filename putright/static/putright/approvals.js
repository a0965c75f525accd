// The approvals page answers a refused decision (400: a reason is missing; 409: not allowed, or already
// decided) with the request's card and the reason beside its buttons. htmx swaps only 2xx answers by
// default, so let these replace the card they were posted from; anything else keeps htmx's own handling.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  var target = event.detail.target;
  if ((status === 400 || status === 409) && target && target.classList.contains("approval")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
