// Live inbox. The server names the conversations that changed (ids only, over server-sent
// events); this file then re-reads the page the teammate is on and puts the new server-rendered
// parts in place: the list, or a thread's status, controls and messages. Nothing here builds
// HTML from data, so message content is only ever what Razor encoded. Without this file every
// page still works; it is just not live.
"use strict";

(() => {
  const root = document.querySelector("[data-live-workspace]");
  if (!root) {
    return;
  }

  const conversation = root.dataset.liveConversation || null;
  // Signals reach only the app instance that made the change; a timer covers the others.
  const fallbackMs = 30000;
  let running = false;
  let pending = false;

  // Messages never change once written: append the ones not shown yet, so the aria-live list
  // announces only those.
  const appendNewParts = (current, fresh) => {
    const shown = new Set(Array.from(current.children, (li) => li.dataset.part));
    for (const li of Array.from(fresh.children)) {
      if (!shown.has(li.dataset.part)) {
        current.append(li);
      }
    }
  };

  const swap = (doc) => {
    for (const region of document.querySelectorAll("[data-live]")) {
      const fresh = doc.querySelector(`[data-live="${region.dataset.live}"]`);
      // A region the teammate is using (a focused select or button) waits for the next refresh.
      if (!fresh || region.contains(document.activeElement)) {
        continue;
      }
      if (region.dataset.live === "parts") {
        appendNewParts(region, fresh);
      } else if (region.innerHTML !== fresh.innerHTML) {
        region.replaceChildren(...fresh.childNodes);
      }
    }
  };

  const refresh = async () => {
    if (running) {
      pending = true;
      return;
    }
    running = true;
    try {
      const response = await fetch(location.href, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } });
      // Signed out or gone (a redirect to the sign-in page, a 404): leave the page as it is.
      if (response.ok && !response.redirected) {
        swap(new DOMParser().parseFromString(await response.text(), "text/html"));
      }
    } catch {
      // Offline for a moment: the next signal or the timer tries again.
    } finally {
      running = false;
      if (pending) {
        pending = false;
        refresh();
      }
    }
  };

  // Opened once the page has loaded: a stream that never ends must not hold the page's load event.
  const listen = () => {
    const events = new EventSource(`/app/inbox/events?workspace=${encodeURIComponent(root.dataset.liveWorkspace)}`);
    // Changes between rendering the page and (re)connecting were signalled to nobody: re-read once connected.
    events.addEventListener("open", () => refresh());
    events.addEventListener("message", (event) => {
      let signal;
      try {
        signal = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!conversation || signal.conversation_id === conversation) {
        refresh();
      }
    });
  };
  if (document.readyState === "complete") {
    listen();
  } else {
    window.addEventListener("load", listen, { once: true });
  }
  window.setInterval(refresh, fallbackMs);
})();
