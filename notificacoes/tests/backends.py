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


class SMTPLento(EmailBackend):
    """O locmem que demora um pouco em cada envio: dois remetentes se cruzam de verdade."""

    def send_messages(self, messages):
        import time

        time.sleep(0.01)  # a janela entre reivindicar e gravar o desfecho, alargada
        return super().send_messages(messages)
