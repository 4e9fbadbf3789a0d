"""What providers' resources create: ``kubernetes_*`` objects with the provider's defaults and
the ``aws_iam_policy_document`` data source rendered as the AWS provider renders it.
"""
