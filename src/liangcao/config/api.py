"""The JSON API under /api/v1/: one NinjaAPI composed of each app's router."""

from liangcao.allocation.api import router as allocation_router
from liangcao.catalog.api import router as catalog_router
from liangcao.community.api import router as community_router
from liangcao.core.api import API_AUTH, LiangcaoAPI, install_error_handlers
from liangcao.core.api import router as token_router
from liangcao.demand.api import router as demand_router
from liangcao.donations.api import router as donations_router
from liangcao.fleet.api import router as fleet_router
from liangcao.logistics.api import router as logistics_router
from liangcao.market.api import router as market_router
from liangcao.orgs.api import router as orgs_router
from liangcao.procurement.api import router as procurement_router
from liangcao.readiness.api import router as readiness_router
from liangcao.reports.api import router as reports_router
from liangcao.stock.api import router as stock_router

api = LiangcaoAPI(
    title="Liangcao API",
    version="1",
    description="Emergency supplies command platform. Every read is scoped to the caller.",
    auth=API_AUTH,
    urls_namespace="api-v1",
)
install_error_handlers(api)
api.add_router("/", orgs_router)
api.add_router("/", catalog_router)
api.add_router("/", token_router)
api.add_router("/", demand_router)
api.add_router("/", allocation_router)
api.add_router("/", stock_router)
api.add_router("/", donations_router)
api.add_router("/", procurement_router)
api.add_router("/", logistics_router)
api.add_router("/", fleet_router)
api.add_router("/", community_router)
api.add_router("/", readiness_router)
api.add_router("/", reports_router)
api.add_router("/", market_router)
