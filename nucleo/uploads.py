"""Recebimento de arquivos com limite: o tamanho é conferido enquanto o corpo chega.

O Django guardaria um upload de 200 MB inteiro (em disco) e a view o leria inteiro para a memória
antes de descobrir que passa do limite. Aqui cada arquivo é gravado em disco só até
`TAMANHO_MAXIMO_UPLOAD`; o resto é apenas contado. O arquivo entregue à view tem o tamanho real
(`size`), e quem valida recusa pelo tamanho antes de ler qualquer coisa.
"""

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler


class ArquivoLimitado(TemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.recebidos = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        restante = settings.TAMANHO_MAXIMO_UPLOAD + 1 - self.recebidos
        if restante > 0:
            self.file.write(raw_data[:restante])
        self.recebidos += len(raw_data)

    def file_complete(self, file_size: int):
        arquivo = super().file_complete(file_size)
        arquivo.size = self.recebidos
        return arquivo
