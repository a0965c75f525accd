from django.http import HttpResponse


def report_form(request):
    return HttpResponse("report")


def report_thanks(request, token):
    return HttpResponse("thanks")


def case_page(request, token):
    return HttpResponse("case")
