from graph_registry.cli.main import app

app()
