// Reply drafts. What a teammate types in a thread's reply box is kept in this browser's
// localStorage, one entry per workspace, teammate and conversation, so that it survives a reload,
// a session that ended while they typed, and signing in again. It is removed once the server has
// stored the reply (the page after it says so) and when the teammate signs out (the server's
// Clear-Site-Data). A draft older than a day is dropped, and so is every draft in this browser
// that is more than a day old, whoever's it was (a shared or lost device keeps customer text
// for at most that long). Nothing here sends the draft anywhere.
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

  const maxAgeMs = 24 * 60 * 60 * 1000;
  const read = (entry) => {
    try {
      const draft = JSON.parse(entry);
      return typeof draft?.text === "string" && Date.now() - draft.savedAt < maxAgeMs ? draft.text : null;
    } catch {
      return null; // not ours, or from before drafts carried their age
    }
  };
  try {
    for (let i = storage.length - 1; i >= 0; i--) {
      const name = storage.key(i);
      if (name && name.startsWith("confide.draft.") && read(storage.getItem(name)) === null) {
        storage.removeItem(name);
      }
    }
  } catch {
    // storage refused: nothing to tidy
  }

  if (form.dataset.draftSent === "true") {
    forget();
    // The address said so once (?sent=reply); a reload must not drop a newer draft.
    const address = new URL(location.href);
    address.searchParams.delete("sent");
    history.replaceState(history.state, "", address);
  } else {
    const saved = read(storage.getItem(key));
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
      storage.setItem(key, JSON.stringify({ text: body.value, savedAt: Date.now() }));
    } catch {
      // full or refused: the draft lives only in the page, as before
    }
  });
})();
