"""arq workers: thin jobs that load ids and call services."""
