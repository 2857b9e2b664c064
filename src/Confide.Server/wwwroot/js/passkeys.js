// Passkeys (WebAuthn) for the sign-in and security pages. A form marked data-passkey="create"
// or "get" first asks the server for options (data-options, a POST carrying the form's
// antiforgery token), lets the browser make or use a passkey, puts the credential as JSON into
// the form's [data-passkey-credential] field and then submits the form normally. The server
// does every check; this file only carries bytes between it and the browser.
"use strict";

(() => {
  const b64urlToBytes = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  };

  const bytesToB64url = (buffer) => {
    let binary = "";
    for (const b of new Uint8Array(buffer)) {
      binary += String.fromCharCode(b);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };

  // Fallbacks for browsers without PublicKeyCredential.parse*OptionsFromJSON / toJSON.
  const decodeDescriptors = (list) => (list || []).map((d) => ({ ...d, id: b64urlToBytes(d.id) }));

  const creationOptions = (json) => PublicKeyCredential.parseCreationOptionsFromJSON
    ? PublicKeyCredential.parseCreationOptionsFromJSON(json)
    : { ...json, challenge: b64urlToBytes(json.challenge), user: { ...json.user, id: b64urlToBytes(json.user.id) }, excludeCredentials: decodeDescriptors(json.excludeCredentials) };

  const requestOptions = (json) => PublicKeyCredential.parseRequestOptionsFromJSON
    ? PublicKeyCredential.parseRequestOptionsFromJSON(json)
    : { ...json, challenge: b64urlToBytes(json.challenge), allowCredentials: decodeDescriptors(json.allowCredentials) };

  const credentialJson = (credential) => {
    if (typeof credential.toJSON === "function") {
      return JSON.stringify(credential);
    }
    const r = credential.response;
    const response = { clientDataJSON: bytesToB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = bytesToB64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = bytesToB64url(r.authenticatorData);
      response.signature = bytesToB64url(r.signature);
      response.userHandle = r.userHandle ? bytesToB64url(r.userHandle) : null;
    }
    return JSON.stringify({
      id: credential.id,
      rawId: bytesToB64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment,
      clientExtensionResults: credential.getClientExtensionResults(),
      response,
    });
  };

  const showError = (form, text) => {
    const box = form.parentElement.querySelector("[data-passkey-error]");
    if (box) {
      box.textContent = text;
      box.hidden = false;
    }
  };

  const run = async (form) => {
    const answer = await fetch(form.dataset.options, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { Accept: "application/json" } });
    if (answer.status === 401) {
      // The action needs a recent sign-in: confirm it first, then come back to this page.
      const { reauthenticate } = await answer.json();
      if (typeof reauthenticate === "string" && reauthenticate.startsWith("/app/")) {
        window.location.assign(reauthenticate);
        return;
      }
    }
    if (!answer.ok) {
      throw new Error("The server did not start the passkey ceremony (" + answer.status + ").");
    }
    const options = await answer.json();
    const credential = form.dataset.passkey === "create"
      ? await navigator.credentials.create({ publicKey: creationOptions(options) })
      : await navigator.credentials.get({ publicKey: requestOptions(options) });
    form.querySelector("[data-passkey-credential]").value = credentialJson(credential);
    form.submit();
  };

  for (const form of document.querySelectorAll("form[data-passkey]")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!window.PublicKeyCredential) {
        showError(form, "This browser does not support passkeys.");
        return;
      }
      run(form).catch((error) => {
        // NotAllowedError: the prompt was cancelled or timed out, or no passkey matched.
        showError(form, "No passkey was used: " + (error && error.name ? error.name + " — " + error.message : String(error)));
      });
    });
  }
})();
