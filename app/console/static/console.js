// The admin console's only script (served from the relay; the CSP allows nothing inline).
"use strict";

function copyText(input) {
  // navigator.clipboard needs a secure context (https or localhost); a LAN address over
  // http falls back to selecting the text and the older copy command.
  const done = () => true;
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(input.value).then(done, () => legacyCopy(input));
  }
  return Promise.resolve(legacyCopy(input));
}

function legacyCopy(input) {
  input.focus();
  input.select();
  try { return document.execCommand("copy"); } catch (e) { return false; }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  if (!input) return;
  copyText(input).then((ok) => {
    button.textContent = ok ? "Copied" : "Select and copy";
    button.dataset.copied = ok ? "true" : "false";
    setTimeout(() => { button.textContent = "Copy"; }, 2000);
  });
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
