// Confide website messenger: the loader a company puts on its pages.
//
//   <script src="https://<confide endpoint>/messenger/widget.js" data-app-id="<workspace id>" defer></script>
//
// It adds a launcher button and the messenger's frame (served by Confide, on Confide's origin).
// The frame does all the talking to Confide; this page hands it the user's identity, if any,
// through postMessage addressed to Confide's origin only, never through a URL.
// Identity: set window.confideSettings = { user_id, email, name, user_jwt | user_hash } before
// this script, or call Confide('boot', {...}) later; Confide('shutdown') when the user signs out.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.Confide && window.Confide.loaded) {
    return;
  }

  var appId = script.getAttribute('data-app-id');
  var origin = new URL(script.src, document.baseURI).origin;
  var identity = window.confideSettings || {};
  var frame, launcher, badge, ready = false, open = false;
  // On a phone the messenger takes the whole screen (and covers the launcher; it has its own close button).
  var phone = window.matchMedia ? window.matchMedia('(max-width: 480px)') : { matches: false };

  function send(message) {
    if (ready) {
      frame.contentWindow.postMessage(message, origin);
    }
  }

  function style(element, properties) {
    // CSSOM, not a style attribute: allowed under the host page's Content-Security-Policy.
    Object.keys(properties).forEach(function (name) { element.style[name] = properties[name]; });
  }

  function place() {
    style(frame, phone.matches
      ? { right: '0', bottom: '0', width: '100%', maxWidth: 'none', height: '100%', maxHeight: 'none', borderRadius: '0' }
      : { right: '20px', bottom: '80px', width: '370px', maxWidth: 'calc(100vw - 40px)', height: '560px', maxHeight: 'calc(100vh - 100px)', borderRadius: '12px' });
    style(launcher, { display: open && phone.matches ? 'none' : 'inline-block' });
  }

  function setOpen(value) {
    open = value;
    style(frame, { display: open ? 'block' : 'none' });
    place();
    launcher.setAttribute('aria-expanded', String(open));
    launcher.setAttribute('aria-label', open ? 'Close messages' : 'Open messages');
    send({ type: 'confide:visibility', open: open });
    if (open) {
      frame.focus();
    } else {
      launcher.focus();
    }
  }

  function setUnread(count) {
    badge.textContent = count > 0 ? String(count) : '';
    style(badge, { display: count > 0 ? 'inline-block' : 'none' });
    launcher.setAttribute('data-unread', String(count));
    launcher.setAttribute('aria-description', count > 0 ? count + ' unread' : '');
  }

  function build() {
    launcher = document.createElement('button');
    launcher.type = 'button';
    launcher.id = 'confide-launcher';
    launcher.setAttribute('aria-controls', 'confide-frame');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-label', 'Open messages');
    // The visible text is part of the accessible name ("Open messages"), as speech input needs.
    launcher.textContent = 'Messages';
    style(launcher, {
      position: 'fixed', right: '20px', bottom: '20px', zIndex: '2147483000', minWidth: '64px', height: '48px',
      padding: '0 16px', border: '0', borderRadius: '24px', background: '#1f4e79', color: '#fff',
      font: '600 15px system-ui, sans-serif', cursor: 'pointer', boxShadow: '0 2px 8px rgba(0,0,0,.25)',
    });
    badge = document.createElement('span');
    badge.className = 'confide-unread';
    badge.setAttribute('aria-hidden', 'true');
    style(badge, {
      display: 'none', marginLeft: '8px', minWidth: '20px', padding: '0 6px', borderRadius: '10px',
      background: '#c0392b', color: '#fff', font: '700 12px/20px system-ui, sans-serif',
    });
    launcher.appendChild(badge);
    launcher.addEventListener('click', function () { setOpen(!open); });

    frame = document.createElement('iframe');
    frame.id = 'confide-frame';
    frame.title = 'Messages';
    // Confide learns which site embeds it (only the origin), so a site it is not allowed on gets
    // a frame that says so rather than one the browser refuses to show.
    frame.referrerPolicy = 'origin';
    frame.src = origin + '/messenger/v1/frame?app_id=' + encodeURIComponent(appId);
    style(frame, {
      display: 'none', position: 'fixed', zIndex: '2147483000',
      border: '0', boxShadow: '0 4px 24px rgba(0,0,0,.25)', background: '#fff',
    });
    document.body.appendChild(frame);
    document.body.appendChild(launcher);
    place();
    if (phone.addEventListener) {
      phone.addEventListener('change', place);
    }
  }

  window.addEventListener('message', function (event) {
    if (event.origin !== origin || !frame || event.source !== frame.contentWindow || !event.data) {
      return;
    }

    switch (event.data.type) {
      case 'confide:ready':
        ready = true;
        send({ type: 'confide:boot', identity: identity });
        send({ type: 'confide:visibility', open: open });
        break;
      case 'confide:unread':
        setUnread(Number(event.data.count) || 0);
        break;
      case 'confide:close':
        setOpen(false);
        break;
    }
  });

  var api = function (command, options) {
    switch (command) {
      case 'boot':
      case 'update':
        identity = options || {};
        send({ type: 'confide:boot', identity: identity });
        break;
      case 'shutdown':
        identity = {};
        send({ type: 'confide:shutdown' });
        break;
      case 'show':
        setOpen(true);
        break;
      case 'hide':
        setOpen(false);
        break;
    }
  };
  api.loaded = true;
  window.Confide = api;

  if (document.body) {
    build();
  } else {
    document.addEventListener('DOMContentLoaded', build);
  }
})();
