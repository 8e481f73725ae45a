import smtplib

from django.core.mail.backends.locmem import EmailBackend


class SMTPQueCai(EmailBackend):
    """O locmem do Django que, enquanto `falhas` > 0, recusa como um servidor SMTP fora do ar."""

    falhas = 0

    def send_messages(self, messages):
        if SMTPQueCai.falhas > 0:
            SMTPQueCai.falhas -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
