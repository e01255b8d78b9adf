"""After-sales service (售后 / 服务中心): refund, return and exchange requests, the return policy
per category, the processing of an approved request, and suggestions and complaints."""
