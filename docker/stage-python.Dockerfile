# Python stage image: `python -m mammoflow_jobs NAME --request FILE` (detector and fold training,
# CV split, checkpoint selection, ONNX export, TensorRT engines). PyPI's torch wheel is the CUDA
# build and brings its CUDA libraries; TensorRT comes from PyPI too.
# Build from the repository root:  docker build -f docker/stage-python.Dockerfile -t mammoflow/stage-python:0.1.0 .
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE}
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY jobs/python/requirements.lock ./jobs/python/requirements.lock
RUN pip install -r jobs/python/requirements.lock && pip install tensorrt-cu13==11.4.0.106
COPY jobs/python ./jobs/python
RUN pip install --no-deps --no-build-isolation ./jobs/python
COPY assets/data ./assets/data
RUN useradd --uid 1000 --create-home --shell /usr/sbin/nologin mammoflow
USER 1000:1000
ENTRYPOINT ["python", "-m", "mammoflow_jobs"]
