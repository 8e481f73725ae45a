"""Banco dos benchmarks: SQLite num arquivo temporário, ou BENCH_DATABASE_URL (PostgreSQL)."""

import os
import tempfile


def preparar() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        arquivo = os.path.join(tempfile.mkdtemp(prefix="brm-bench-"), "bench.sqlite3")
        url = f"sqlite:///{arquivo}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
    os.environ.setdefault("FIELD_ENCRYPTION_KEY", "_h_-gDSLW9ZepOmihETjFadVJ5ypwCfPWP3gMoESG5g=")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brm.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--noinput", verbosity=0)
    if "postgres" in url:
        call_command("flush", "--noinput", verbosity=0)


def tabela(titulo: str, linhas: list[tuple]) -> None:
    print(f"\n{titulo}")
    larguras = [max(len(str(linha[i])) for linha in linhas) for i in range(len(linhas[0]))]
    for indice, linha in enumerate(linhas):
        print(
            "  "
            + "  ".join(
                str(valor).ljust(largura) for valor, largura in zip(linha, larguras, strict=True)
            )
        )
        if indice == 0:
            print("  " + "  ".join("-" * largura for largura in larguras))
