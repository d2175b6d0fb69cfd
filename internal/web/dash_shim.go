package web

import "github.com/gin-gonic/gin"

// Temporary stand-ins until the auth and static-file branches are merged (then these go).

func dashAsset(name string) string { return "/static/" + name }

func dashAssetExists(name string) bool { return true }

func dashCSRFToken(c *gin.Context) string { return c.GetString("csrf") }
