"""The org and people imports' web flow in tests: each POST queues a job, which runs here as it
would without a broker (eagerly, once the request's transaction commits), then the redirect is
followed to the job's page (the preview, or the index with the outcome)."""


def post_through_jobs(client, capture, url, data=None):
    with capture(execute=True):
        response = client.post(url, data or {})
    if response.status_code == 302:
        response = client.get(response["Location"], follow=True)
    return response
