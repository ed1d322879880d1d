"""The HTML a merchant pastes into their site to post a form to the panel."""

from django.conf import settings
from django.utils.html import escape

from intake.receiving import HONEYPOT_FIELD


def form_action(endpoint):
    return f"{settings.PUBLIC_BASE_URL}{endpoint.path}"


def html_snippet(endpoint):
    action = escape(form_action(endpoint))
    return f"""<form method="post" action="{action}" enctype="multipart/form-data">
  <label>Name <input type="text" name="name" required></label>
  <label>E-mail <input type="email" name="email" required></label>
  <label>Message <textarea name="message" rows="5"></textarea></label>
  <!-- Keep this hidden field: robots fill it in, people never see it. -->
  <input type="text" name="{HONEYPOT_FIELD}" style="display:none" tabindex="-1"
         autocomplete="off" aria-hidden="true">
  <button type="submit">Send</button>
</form>"""
