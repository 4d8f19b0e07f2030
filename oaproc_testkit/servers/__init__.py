"""Real servers the toolkit installs and starts on loopback: pygeoapi, pygeoapi-prefect + Prefect, wraptile."""
