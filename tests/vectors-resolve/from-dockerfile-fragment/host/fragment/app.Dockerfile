# a fragment: the base image comes from the spec
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update && apt-get install -y --no-install-recommends curl
COPY . /opt/app
