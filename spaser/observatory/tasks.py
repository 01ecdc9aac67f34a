from huey.contrib.djhuey import db_task


@db_task()
def report_generate_task(report_id: int):
    from spaser.observatory.models import SpaserReport
    from spaser.observatory.reports import report_generate

    report = SpaserReport.objects.filter(pk=report_id).first()
    if report is not None:
        report_generate(report)
