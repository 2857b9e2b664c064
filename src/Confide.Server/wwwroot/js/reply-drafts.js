// Reply drafts. What a teammate types in a thread's reply box is kept in this browser's
// localStorage, one entry per workspace, teammate and conversation, so that it survives a reload,
// a session that ended while they typed, and signing in again. It is removed once the server has
// stored the reply (the page after it says so) and when the teammate signs out (the server's
// Clear-Site-Data). Nothing here sends the draft anywhere.
"use strict";

(() => {
  const form = document.querySelector("form.reply[data-draft-key]");
  const body = form && form.querySelector("textarea[name=body]");
  if (!body) {
    return;
  }

  let storage;
  try {
    storage = window.localStorage;
  } catch {
    return; // storage disabled: the form still works, without drafts
  }

  const key = `confide.draft.${form.dataset.draftKey}`;
  const forget = () => {
    try {
      storage.removeItem(key);
    } catch {
      // nothing kept, nothing to forget
    }
  };

  if (form.dataset.draftSent === "true") {
    forget();
  } else {
    const saved = storage.getItem(key);
    if (saved && !body.value) {
      body.value = saved;
      const notice = form.querySelector("[data-draft-restored]");
      if (notice) {
        notice.hidden = false;
      }
    }
  }

  body.addEventListener("input", () => {
    if (body.value.trim() === "") {
      forget();
      return;
    }
    try {
      storage.setItem(key, body.value);
    } catch {
      // full or refused: the draft lives only in the page, as before
    }
  });
})();
