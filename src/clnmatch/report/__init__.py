"""The outputs a lead officer reads: report.html, teams.xlsx, charts, pseudonymised copies."""

from clnmatch.report.html import render_report, write_report
from clnmatch.report.pseudonymise import pseudonymise
from clnmatch.report.workbook import write_workbook

__all__ = ["render_report", "write_report", "write_workbook", "pseudonymise"]
