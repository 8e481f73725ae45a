"""A base comum, abaixo dos apps do domínio: modelo base, campo cifrado, CNPJ/CPF, permissões,
peças do admin e da API, erros em HTTP. Nada aqui importa `contas`, `operadoras`, `clientes`,
`processos`, `execucoes` ou `brm` (docs/arquitetura.md)."""
