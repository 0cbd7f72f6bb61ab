from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    return render(request, "reporting/my_reports.html", {})


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "reporting/my_reports.html", {})


@login_required
def completeness(request: HttpRequest) -> HttpResponse:
    return render(request, "reporting/my_reports.html", {})
