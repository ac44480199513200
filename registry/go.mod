module arcrun.dev/registry

go 1.24
