from ninja import NinjaAPI

api = NinjaAPI(title="Putright API", version="1")
