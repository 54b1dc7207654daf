// The script of /reset-password and /verify-email (served under script-src 'self').
// It reads the token from the link and sends it by POST only when the person presses
// the button: a mail scanner that follows the link loads the page and uses nothing up.
(function () {
  'use strict';
  var body = document.body;
  var page = body.getAttribute('data-page');
  var token = new URLSearchParams(window.location.search).get('token') || '';
  // The token stays in memory only: off the address bar (and so out of history and of
  // anything the page might link to next).
  if (window.history && window.history.replaceState) window.history.replaceState(null, '', window.location.pathname);
  var form = document.getElementById('form');
  var error = document.getElementById('error');
  var button = document.getElementById('submit');

  function show(state) {
    body.setAttribute('data-state', state);
  }
  function fail(text) {
    error.textContent = text;
    button.disabled = false;
    show('ready');
  }

  if (!token) {
    show('nolink');
    return;
  }
  show('ready');

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    error.textContent = '';
    var payload = { token: token };
    if (page === 'reset') {
      var password = document.getElementById('password').value;
      var again = document.getElementById('password2').value;
      if (password.length < 8 || password.length > 128) return fail('The password must have 8 to 128 characters.');
      if (password !== again) return fail('The two passwords differ.');
      payload.newPassword = password;
    }
    button.disabled = true;
    show('busy');
    fetch(page === 'reset' ? '/api/v1/auth/password/reset' : '/api/v1/auth/verify-email', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      credentials: 'omit',
    })
      .then(function (res) {
        if (res.status === 204) return show('done');
        return res
          .json()
          .catch(function () {
            return {};
          })
          .then(function (problem) {
            if (problem.code === 'invalid_token') return show('invalid');
            if (res.status === 429) return fail('Too many attempts from here; wait a few minutes and try again.');
            if (problem.code === 'validation_failed') return fail('The password must have 8 to 128 characters.');
            fail('Something went wrong on our side; please try again in a moment.');
          });
      })
      .catch(function () {
        fail('The service could not be reached; please try again.');
      });
  });
})();
