"""Documents in the staff console (issue 13): uploads become ingest jobs run in the background.

    models       the values: upload metadata, jobs and their files, documents with versions and chunks
    ingest_job   what a job does, with the ONE call of the ingest pipeline (`ingest_upload`)
    runners      where jobs run: a thread of the bot (the default) or RQ workers over Redis
    desk         the console's facade: upload, retire, read jobs and documents
    wording      how the console words what ingest reports (form labels, sizes in MB, held documents)
    worker       `askcity worker`: an RQ worker process

No FastAPI here (import-linter); the routes are `bot/api/routes_staff_documents.py`.
"""
