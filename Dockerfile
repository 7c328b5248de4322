# syntax=docker/dockerfile:1
# The reconciler as a container image: the `reconciler` console script as ENTRYPOINT, run as
# an unprivileged user, no secret inside (the API token comes from the environment at run
# time: QOVERY_API_TOKEN, or --token-file on a mounted secret).
#
#   docker build -t reconciler:0.1.0 .                                # bakes manifests/ in
#   docker build --build-arg MANIFESTS=deploy/qovery -t reconciler .  # bakes another directory
#   docker run --rm -e QOVERY_API_TOKEN -v "$PWD/manifests:/manifests:ro" \
#       reconciler:0.1.0 plan /manifests                              # a mount hides the baked copy
#
# See docs/workflow.md and examples/kubernetes/ for how it is run on a schedule.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY reconciler/ reconciler/
COPY schemas/ schemas/
# A virtualenv that the runtime stage copies whole: no compiler, no pip cache, no source tree.
RUN python -m venv /opt/reconciler \
    && /opt/reconciler/bin/pip install --no-cache-dir --upgrade pip \
    && /opt/reconciler/bin/pip install --no-cache-dir . \
    && /opt/reconciler/bin/reconciler --version

FROM python:3.11-slim
# The manifest directory to bake in, relative to the build context. A volume mounted at
# /manifests replaces it at run time.
ARG MANIFESTS=manifests
ENV PATH="/opt/reconciler/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
RUN groupadd --system --gid 10001 reconciler \
    && useradd --system --uid 10001 --gid reconciler --home-dir /tmp --shell /usr/sbin/nologin \
       reconciler \
    && install -d -o reconciler -g reconciler /workspace
COPY --from=build /opt/reconciler /opt/reconciler
# Owned by root and read-only to the runtime user: the job reads its manifests, never writes them.
COPY ${MANIFESTS}/ /manifests/
WORKDIR /workspace
USER 10001:10001
ENTRYPOINT ["reconciler"]
CMD ["validate", "/manifests"]
