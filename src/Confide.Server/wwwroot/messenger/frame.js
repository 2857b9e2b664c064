// The messenger inside its frame, on Confide's origin. Everything shown is built with
// textContent: message text is never parsed as HTML, and only http(s) URLs become links.
(function () {
  'use strict';
  var appId = new URLSearchParams(location.search).get('app_id');
  var root = document.getElementById('messenger');
  var session = null, identity = {}, visible = false;
  var view = { name: 'list', id: null };
  var stream = null, refreshTimer = null;
  // Confide served a page saying this website may not show the messenger: nothing to boot.
  var siteRefused = root.getAttribute('data-state') === 'origin-not-allowed';

  function el(tag, className, text) {
    var element = document.createElement(tag);
    if (className) {
      element.className = className;
    }
    if (text !== undefined && text !== null) {
      element.textContent = text;
    }
    return element;
  }

  // Text with its http(s) links made clickable; everything else stays text.
  function richText(text) {
    var fragment = document.createDocumentFragment();
    String(text || '').split(/(https?:\/\/[^\s<>"']+)/g).forEach(function (piece, index) {
      var url = null;
      if (index % 2 === 1) {
        try {
          url = new URL(piece);
        } catch (e) {
          url = null;
        }
      }
      if (url && (url.protocol === 'https:' || url.protocol === 'http:')) {
        var link = el('a', null, piece);
        link.href = url.href;
        link.target = '_blank';
        link.rel = 'noopener noreferrer nofollow';
        fragment.appendChild(link);
      } else {
        fragment.appendChild(document.createTextNode(piece));
      }
    });
    return fragment;
  }

  function tell(message) {
    // Only the unread count and open/close requests go to the embedding page (which the
    // workspace's frame-ancestors list restricts); never message content.
    window.parent.postMessage(message, '*');
  }

  function status(text) {
    root.replaceChildren(el('p', 'status', text));
  }

  // The network or the server failed (not a refusal): worth trying again, and said in words,
  // never as the browser's "Failed to fetch".
  function Unavailable(status) {
    this.name = 'Unavailable';
    this.status = status;
    this.message = status === 429
      ? 'Too many requests just now. Wait a moment and try again.'
      : 'We could not reach the messenger. Check your connection and try again.';
  }
  Unavailable.prototype = Object.create(Error.prototype);
  Unavailable.prototype.constructor = Unavailable;

  function request(url, options) {
    return fetch(url, options).then(function (response) {
      if (response.status >= 500 || response.status === 429) {
        throw new Unavailable(response.status);
      }
      return response;
    }, function (error) {
      if (error && error.name === 'AbortError') {
        throw error;
      }
      throw new Unavailable(0);
    });
  }

  function retryButton(retry) {
    var button = el('button', 'primary retry', 'Try again');
    button.type = 'button';
    button.addEventListener('click', retry);
    return button;
  }

  // What the visitor asked for could not load: say so, with a way to try again.
  function showUnavailable(error, retry) {
    var message = el('p', 'status problem', error.message);
    message.setAttribute('role', 'alert');
    root.setAttribute('data-state', 'unavailable');
    root.replaceChildren(header('Messages', false), message, retryButton(function () {
      status('Loading…');
      retry().then(focusFirstAction, failed(retry));
    }));
    root.querySelector('.retry').focus();
  }

  // A handler for a failed load the visitor started; other failures (a refusal) show themselves.
  function failed(retry) {
    return function (error) {
      if (error instanceof Unavailable) {
        showUnavailable(error, retry);
      }
    };
  }

  function api(method, path, body, renewed) {
    var headers = { 'Confide-Messenger-Session': session };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    return request('/messenger/v1' + path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (response) {
        if (response.status === 401 && !renewed) {
          // The session expired (it lasts two hours): boot again with the same identity, once.
          return boot(identity).then(function () { return api(method, path, body, true); });
        }
        if (!response.ok) {
          return response.json().then(function (error) {
            throw new Error(error.errors && error.errors[0] ? error.errors[0].message : 'Request failed');
          }, function () { throw new Error('Request failed (' + response.status + ')'); });
        }
        return response.status === 204 ? null : response.json();
      });
  }

  function boot(newIdentity) {
    identity = newIdentity || {};
    return request('/messenger/v1/boot?app_id=' + encodeURIComponent(appId), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        user_id: identity.user_id, email: identity.email, name: identity.name,
        user_hash: identity.user_hash, user_jwt: identity.user_jwt,
      }),
    }).then(function (response) {
      return response.json().then(function (result) {
        if (!response.ok) {
          session = null;
          stopStream();
          status('We could not confirm who you are, so your conversations stay hidden. Reload the page to try again.');
          root.setAttribute('data-state', 'refused');
          throw new Error(result.errors && result.errors[0] ? result.errors[0].code : 'boot failed');
        }
        session = result.session;
        root.setAttribute('data-identity', result.identity);
        root.setAttribute('data-state', 'ready');
        view = { name: 'list', id: null };
        connect();
        return render();
      });
    });
  }

  function render() {
    if (!session) {
      return Promise.resolve();
    }
    return (view.name === 'list' ? renderList() : renderThread(view.id)).then(function () {
      root.setAttribute('data-state', 'ready');
    });
  }

  function header(title, back) {
    var bar = el('header', 'bar');
    if (back) {
      var backButton = el('button', 'back', '‹');
      backButton.type = 'button';
      backButton.setAttribute('aria-label', 'Back to conversations');
      backButton.addEventListener('click', function () { view = { name: 'list', id: null }; render().catch(failed(render)); });
      bar.appendChild(backButton);
    }
    bar.appendChild(el('h1', null, title));
    var close = el('button', 'close', '×');
    close.type = 'button';
    close.setAttribute('aria-label', 'Close messages');
    close.addEventListener('click', function () { tell({ type: 'confide:close' }); });
    bar.appendChild(close);
    return bar;
  }

  function renderList() {
    return api('GET', '/conversations').then(function (list) {
      tell({ type: 'confide:unread', count: list.unread });
      if (view.name !== 'list') {
        return;
      }
      var start = el('button', 'primary', 'Send us a message');
      start.type = 'button';
      start.id = 'new-conversation';
      start.addEventListener('click', function () { view = { name: 'thread', id: null }; render().catch(failed(render)); });
      var items = el('ul', 'conversations');
      items.setAttribute('aria-label', 'Your conversations');
      list.conversations.forEach(function (conversation) {
        var item = el('li');
        var open = el('button', 'conversation' + (conversation.unread > 0 ? ' unread' : ''));
        open.type = 'button';
        open.setAttribute('data-conversation-id', conversation.id);
        open.appendChild(el('span', 'who', conversation.last_author_type === 'admin' ? 'Support' : 'You'));
        open.appendChild(el('span', 'snippet', conversation.last_message || ''));
        if (conversation.unread > 0) {
          open.appendChild(el('span', 'badge', conversation.unread + ' unread'));
        }
        open.addEventListener('click', function () { view = { name: 'thread', id: conversation.id }; render().catch(failed(render)); });
        item.appendChild(open);
        items.appendChild(item);
      });
      var children = [header('Messages', false), start];
      children.push(list.conversations.length ? items : el('p', 'empty', 'No conversations yet.'));
      root.replaceChildren.apply(root, children);
    });
  }

  function composer(onSend) {
    var form = el('form', 'composer');
    var label = el('label', 'visually-hidden', 'Message');
    label.htmlFor = 'message';
    var input = el('textarea');
    input.id = 'message';
    input.rows = 2;
    input.placeholder = 'Write a message…';
    var send = el('button', 'primary', 'Send');
    send.type = 'submit';
    input.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) {
        return;
      }
      send.disabled = true;
      form.querySelectorAll('.error').forEach(function (old) { old.remove(); });
      onSend(text).then(function () { input.value = ''; }, function (error) {
        // The text stays in the box: trying again sends it as it is.
        var problem = el('p', 'error', error instanceof Unavailable ? 'Not sent. ' + error.message : error.message);
        problem.setAttribute('role', 'alert');
        if (error instanceof Unavailable) {
          problem.appendChild(document.createTextNode(' '));
          var retry = el('button', 'link retry', 'Send again');
          retry.type = 'button';
          retry.addEventListener('click', function () { form.requestSubmit(); });
          problem.appendChild(retry);
        }
        form.appendChild(problem);
      }).finally(function () { send.disabled = false; input.focus(); });
    });
    form.append(label, input, send);
    return form;
  }

  function renderThread(id) {
    if (!id) {
      var empty = el('ol', 'messages');
      empty.appendChild(el('li', 'hint', 'Ask us anything. We usually reply within a few hours.'));
      root.replaceChildren(header('New conversation', true), empty, composer(function (text) {
        return api('POST', '/conversations', { body: text }).then(function (thread) {
          view = { name: 'thread', id: thread.id };
          connect(); // the first message made this visitor a contact: listen for replies
          return showThread(thread);
        });
      }));
      root.querySelector('textarea').focus();
      return Promise.resolve();
    }
    return api('GET', '/conversations/' + encodeURIComponent(id)).then(function (thread) {
      if (view.name === 'thread' && view.id === id) {
        return showThread(thread);
      }
    });
  }

  function showThread(thread) {
    var messages = el('ol', 'messages');
    messages.setAttribute('aria-label', 'Messages');
    thread.messages.forEach(function (message) {
      if (message.kind === 'retention_tombstone') {
        messages.appendChild(el('li', 'event', message.body));
        return;
      }
      if (message.kind === 'close' || message.kind === 'open') {
        messages.appendChild(el('li', 'event', message.kind === 'close' ? 'Conversation closed' : 'Conversation reopened'));
        return;
      }
      var item = el('li', 'message ' + message.kind);
      item.setAttribute('data-message-id', message.id);
      item.appendChild(el('span', 'author', message.author_name));
      var body = el('p', 'body');
      body.appendChild(richText(message.body));
      item.appendChild(body);
      messages.appendChild(item);
    });
    var sameThread = root.getAttribute('data-thread') === thread.id;
    var existing = root.querySelector('.composer');
    var form = existing && sameThread ? existing : composer(function (text) {
      return api('POST', '/conversations/' + encodeURIComponent(thread.id) + '/reply', { body: text }).then(showThread);
    });
    root.setAttribute('data-thread', thread.id);
    var children = [header('Conversation', true), messages];
    var rating = ratingPanel(thread, sameThread ? root.querySelector('.rating') : null);
    if (rating) {
      children.push(rating);
    }
    children.push(form);
    // Moving an element out and back in takes the keyboard from it: a live update gives it back.
    var focused = document.activeElement;
    root.replaceChildren.apply(root, children);
    if (focused && focused !== document.activeElement && root.contains(focused)) {
      focused.focus();
    }
    messages.scrollTop = messages.scrollHeight;
    if (visible && thread.unread > 0) {
      return api('POST', '/conversations/' + encodeURIComponent(thread.id) + '/read').then(refreshUnread);
    }
    return refreshUnread();
  }

  // The visitor's rating of a closed conversation (or of one they rated before): 1 to 5 and an
  // optional remark. Rating again replaces the rating, as the API does.
  var RemarkLimit = 1000; // the API's limit for a remark
  var ratingEditing = null; // the id of the thread whose rating the visitor chose to change

  function ratingPanel(thread, existing) {
    var rated = thread.rating;
    if (thread.state !== 'closed' && !rated) {
      return null;
    }
    var editing = !rated || ratingEditing === thread.id;
    // A live update while the visitor is choosing keeps their choice and their remark.
    if (editing && existing && existing.getAttribute('data-mode') === 'form') {
      return existing;
    }
    // The same rating read again keeps its element, and so the keyboard where it was.
    if (!editing && existing && existing.getAttribute('data-rated-at') === String(rated.created_at)) {
      return existing;
    }
    return editing ? ratingForm(thread) : ratingSummary(thread);
  }

  function ratingSummary(thread) {
    var section = el('section', 'rating');
    section.setAttribute('data-mode', 'summary');
    section.setAttribute('data-rated-at', String(thread.rating.created_at));
    section.setAttribute('aria-label', 'Your rating');
    var given = el('p', 'given', 'You rated this conversation ' + thread.rating.rating + '/5');
    given.setAttribute('role', 'status');
    section.appendChild(given);
    if (thread.rating.remark) {
      // The remark is the visitor's own text: shown as text, never as HTML.
      section.appendChild(el('p', 'remark', 'Your remark: ' + thread.rating.remark));
    }
    var change = el('button', 'link change-rating', 'Change rating');
    change.type = 'button';
    change.addEventListener('click', function () {
      ratingEditing = thread.id;
      var form = ratingForm(thread);
      section.replaceWith(form);
      (form.querySelector('[aria-pressed=true]') || form.querySelector('.stars button')).focus();
    });
    section.appendChild(change);
    return section;
  }

  function ratingForm(thread) {
    var chosen = thread.rating ? thread.rating.rating : null;
    var form = el('form', 'rating');
    form.setAttribute('data-mode', 'form');
    var question = el('p', 'question', 'How would you rate this conversation?');
    question.id = 'rating-question';
    var stars = el('div', 'stars');
    stars.setAttribute('role', 'group');
    stars.setAttribute('aria-labelledby', 'rating-question');
    var buttons = [1, 2, 3, 4, 5].map(function (value) {
      var button = el('button', null, String(value));
      button.type = 'button';
      button.setAttribute('aria-label', 'Rate ' + value + ' of 5');
      button.setAttribute('aria-pressed', String(value === chosen));
      button.setAttribute('data-rating', String(value));
      button.addEventListener('click', function () {
        chosen = value;
        buttons.forEach(function (other) { other.setAttribute('aria-pressed', String(other === button)); });
      });
      stars.appendChild(button);
      return button;
    });
    var label = el('label', null, 'Remark (optional)');
    label.htmlFor = 'rating-remark';
    var remark = el('textarea');
    remark.id = 'rating-remark';
    remark.rows = 2;
    remark.maxLength = RemarkLimit;
    remark.value = thread.rating && thread.rating.remark ? thread.rating.remark : '';
    var send = el('button', 'primary', 'Send rating');
    send.type = 'submit';
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      form.querySelectorAll('.error').forEach(function (old) { old.remove(); });
      if (!chosen) {
        problem('Choose a rating from 1 to 5 first.');
        buttons[0].focus();
        return;
      }
      send.disabled = true;
      var body = { rating: chosen };
      if (remark.value.trim()) {
        body.remark = remark.value.trim();
      }
      api('POST', '/conversations/' + encodeURIComponent(thread.id) + '/rating', body).then(function (rated) {
        ratingEditing = null;
        return showThread(rated).then(function () {
          var change = root.querySelector('.change-rating');
          if (change) {
            change.focus();
          }
        });
      }, function (error) {
        send.disabled = false;
        problem(error instanceof Unavailable ? 'Not sent. ' + error.message : error.message);
      });
    });
    function problem(text) {
      var message = el('p', 'error', text);
      message.setAttribute('role', 'alert');
      form.appendChild(message);
    }
    form.append(question, stars, label, remark, send);
    return form;
  }

  // Opening the messenger puts the keyboard where the user will act: the message box in a
  // thread, otherwise the button that starts a conversation.
  function focusFirstAction() {
    var target = root.querySelector('#message') || root.querySelector('#new-conversation') || root.querySelector('.retry') || root.querySelector('button');
    if (target) {
      target.focus();
    }
  }

  function refreshUnread() {
    return api('GET', '/conversations').then(function (list) { tell({ type: 'confide:unread', count: list.unread }); });
  }

  // Live updates: server-sent events read with fetch, so the session travels in a header.
  function stopStream() {
    if (stream) {
      stream.abort();
      stream = null;
    }
  }

  function connect() {
    stopStream();
    var controller = new AbortController();
    stream = controller;
    fetch('/messenger/v1/events', { headers: { 'Confide-Messenger-Session': session }, signal: controller.signal })
      .then(function (response) {
        if (!response.ok || !response.body) {
          throw new Error('events unavailable');
        }
        var reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        var buffer = '';
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              return;
            }
            buffer += chunk.value;
            var events = buffer.split('\n\n');
            buffer = events.pop();
            events.forEach(function (block) {
              // A change of one of our conversations; comment lines (heartbeats) carry no data.
              if (/^data: /m.test(block)) {
                render().catch(function () {});
              }
            });
            return pump();
          });
        }
        return pump();
      })
      .catch(function () {})
      .finally(function () {
        if (stream === controller) {
          stream = null;
          setTimeout(function () { if (!stream && session) { connect(); } }, 2000);
        }
      });
  }

  window.addEventListener('message', function (event) {
    if (event.source !== window.parent || !event.data || siteRefused) {
      return;
    }
    switch (event.data.type) {
      case 'confide:boot':
        var booting = event.data.identity;
        boot(booting).catch(failed(function () { return boot(booting); }));
        break;
      case 'confide:shutdown':
        stopStream();
        session = null;
        fetch('/messenger/v1/shutdown?app_id=' + encodeURIComponent(appId), { method: 'POST' })
          .then(function () { return boot({}); }).catch(failed(function () { return boot({}); }));
        break;
      case 'confide:visibility':
        visible = !!event.data.open;
        if (visible && root.getAttribute('data-state') !== 'unavailable') {
          render().then(focusFirstAction).catch(failed(render));
        } else if (visible) {
          focusFirstAction();
        }
        break;
    }
  });

  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') {
      tell({ type: 'confide:close' });
    }
  });

  if (window.parent === window) {
    status('This messenger opens from the website it belongs to.');
    return;
  }
  if (siteRefused) {
    // The page says why; add a way to close it and a hint for the site's developers.
    root.prepend(header('Messages', false));
    if (window.console) {
      console.warn('Confide messenger: ' + root.getAttribute('data-origin') + ' is not in the allowed origins of this workspace (Settings → Messenger).');
    }
    tell({ type: 'confide:ready' });
    return;
  }
  // Fallback for signals from another app instance: re-read now and then.
  refreshTimer = setInterval(function () { if (session && visible) { render().catch(function () {}); } }, 30000);
  // Ready once loaded: the boot that follows opens a stream that never ends, which must not
  // hold this frame's load event, nor so the embedding page's.
  if (document.readyState === 'complete') {
    tell({ type: 'confide:ready' });
  } else {
    window.addEventListener('load', function () { tell({ type: 'confide:ready' }); }, { once: true });
  }
})();
