package grafana

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// These tests read the files docker-compose.yml and Grafana use, since the machines this project is
// developed on have no Docker engine to start them: the data source as the grafana-clickhouse-datasource
// plugin (4.x) reads it, the dashboard's queries as the plugin sends them, and the compose file's mounts,
// users and plugin version against both.

// pluginID is the ClickHouse data source plugin of Grafana Labs.
const pluginID = "grafana-clickhouse-datasource"

type dataSource struct {
	Name           string         `yaml:"name"`
	Type           string         `yaml:"type"`
	UID            string         `yaml:"uid"`
	JSONData       map[string]any `yaml:"jsonData"`
	SecureJSONData map[string]any `yaml:"secureJsonData"`
}

func readDataSources(t *testing.T) []dataSource {
	t.Helper()
	var f struct {
		APIVersion  int          `yaml:"apiVersion"`
		Datasources []dataSource `yaml:"datasources"`
	}
	readYAML(t, "provisioning/datasources/clickhouse.yaml", &f)
	if f.APIVersion != 1 || len(f.Datasources) != 1 {
		t.Fatalf("provisioning/datasources/clickhouse.yaml: apiVersion %d, %d data sources; want apiVersion 1 and one", f.APIVersion, len(f.Datasources))
	}
	return f.Datasources
}

func readYAML(t *testing.T, name string, v any) {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// The plugin's settings since 4.0 (src/types/config.ts): host (3.x called it server), port, protocol
// native or http, secure, username and defaultDatabase; the password in secureJsonData.
func TestTheDataSourceHasTheSettingsThePluginReads(t *testing.T) {
	ds := readDataSources(t)[0]
	if ds.Type != pluginID || ds.UID == "" {
		t.Fatalf("data source type %q uid %q: want %s with a uid the dashboard can name", ds.Type, ds.UID, pluginID)
	}
	for _, key := range []string{"host", "port", "protocol", "username", "defaultDatabase"} {
		if v, ok := ds.JSONData[key]; !ok || v == "" {
			t.Errorf("jsonData.%s is missing", key)
		}
	}
	if _, ok := ds.JSONData["server"]; ok {
		t.Error("jsonData.server is the 3.x name of host: the 4.x plugin reads host")
	}
	secure, _ := ds.JSONData["secure"].(bool)
	ports := map[[2]any]int{{"native", false}: 9000, {"native", true}: 9440, {"http", false}: 8123, {"http", true}: 8443}
	port, known := ports[[2]any{ds.JSONData["protocol"], secure}]
	if !known || ds.JSONData["port"] != port {
		t.Errorf("protocol %v (secure %v) on port %v: ClickHouse serves it on %d", ds.JSONData["protocol"], secure, ds.JSONData["port"], port)
	}
	if p, _ := ds.SecureJSONData["password"].(string); p == "" {
		t.Error("secureJsonData.password is missing")
	}
}

// The plugin's query types (src/types/sql.ts) and the format its backend renders each as (sqlds:
// 0 time series, 1 table, 2 logs, 3 traces).
var formatOf = map[string]int{"timeSeries": 0, "table": 1, "logs": 2, "traces": 3}

type dashboard struct {
	Panels []struct {
		ID         int        `json:"id"`
		Type       string     `json:"type"`
		Datasource datasource `json:"datasource"`
		Targets    []struct {
			Datasource datasource `json:"datasource"`
			EditorType string     `json:"editorType"`
			QueryType  string     `json:"queryType"`
			Format     *int       `json:"format"`
			RawSQL     string     `json:"rawSql"`
		} `json:"targets"`
	} `json:"panels"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

func TestEveryPanelQueriesTheProvisionedDataSourceAsThePluginExpects(t *testing.T) {
	ds := readDataSources(t)[0]
	want := datasource{Type: ds.Type, UID: ds.UID}
	raw, err := files.ReadFile("dashboards/chainsleuth.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Panels) == 0 {
		t.Fatal("no panels")
	}
	for _, p := range d.Panels {
		if p.Datasource != want {
			t.Errorf("panel %d: data source %+v, want the provisioned %+v", p.ID, p.Datasource, want)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %d has no query", p.ID)
		}
		for _, q := range p.Targets {
			if q.Datasource != want {
				t.Errorf("panel %d: query data source %+v, want %+v", p.ID, q.Datasource, want)
			}
			format, known := formatOf[q.QueryType]
			switch {
			case q.EditorType != "sql" || q.RawSQL == "":
				t.Errorf("panel %d: editorType %q with rawSql %q: want SQL", p.ID, q.EditorType, q.RawSQL)
			case !known:
				t.Errorf("panel %d: queryType %q is none of the plugin's (table, timeSeries, logs, traces)", p.ID, q.QueryType)
			case q.Format == nil || *q.Format != format:
				t.Errorf("panel %d: queryType %s with format %v: the plugin sends format %d for it", p.ID, q.QueryType, q.Format, format)
			case p.Type == "timeseries" && q.QueryType != "timeSeries", p.Type == "table" && q.QueryType != "table":
				t.Errorf("panel %d: a %s panel fed by a %s query", p.ID, p.Type, q.QueryType)
			}
		}
	}
}

// compose is what the tests read of docker-compose.yml.
type compose struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
	} `yaml:"services"`
}

// mounts are a service's bind mounts: container path → path in the repository.
func mounts(t *testing.T, volumes []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 || !strings.HasPrefix(parts[0], "./") {
			continue // a named volume
		}
		out[parts[1]] = filepath.Join("..", filepath.FromSlash(parts[0]))
	}
	return out
}

// inContainer is the repository file a container path names through the mounts (a file mounted
// itself, or under a mounted directory), or "".
func inContainer(m map[string]string, p string) string {
	for target, src := range m {
		if p == target {
			return src
		}
		if rel, ok := strings.CutPrefix(p, target+"/"); ok {
			return filepath.Join(src, filepath.FromSlash(rel))
		}
	}
	return ""
}

// The compose stack: Grafana installs a 4.x plugin (the settings above are its names; 3.x read
// server), finds the provisioning files and the dashboard where the provider looks, and logs in as a
// read-only user that the ClickHouse service defines, to the database migrate creates.
func TestComposeGivesGrafanaWhatItsProvisioningNames(t *testing.T) {
	var c compose
	readYAML(t, "../docker-compose.yml", &c)
	grafana, ok := c.Services["grafana"]
	if !ok {
		t.Fatal("docker-compose.yml has no grafana service")
	}
	if !regexp.MustCompile(`(^|,)` + pluginID + ` 4\.\d+\.\d+(,|$)`).MatchString(grafana.Environment["GF_INSTALL_PLUGINS"]) {
		t.Errorf("GF_INSTALL_PLUGINS %q: pin the plugin to a 4.x release (`%s 4.x.y`): the data source uses its settings",
			grafana.Environment["GF_INSTALL_PLUGINS"], pluginID)
	}
	gm := mounts(t, grafana.Volumes)
	if filepath.Clean(gm["/etc/grafana/provisioning"]) != filepath.Clean("../grafana/provisioning") {
		t.Errorf("grafana mounts %v: ./grafana/provisioning must be /etc/grafana/provisioning", gm)
	}
	var providers struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Type    string `yaml:"type"`
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, "provisioning/dashboards/chainsleuth.yaml", &providers)
	if providers.APIVersion != 1 || len(providers.Providers) != 1 || providers.Providers[0].Type != "file" {
		t.Fatalf("provisioning/dashboards/chainsleuth.yaml: %+v", providers)
	}
	dir := inContainer(gm, providers.Providers[0].Options.Path)
	if _, err := os.Stat(filepath.Join(dir, "chainsleuth.json")); dir == "" || err != nil {
		t.Errorf("the dashboard provider reads %s, which holds no chainsleuth.json in the grafana container (mounts %v)", providers.Providers[0].Options.Path, gm)
	}
	if home := grafana.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]; home != "" {
		if _, err := os.Stat(inContainer(gm, home)); err != nil {
			t.Errorf("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH %s is not a mounted file", home)
		}
	}

	ds := readDataSources(t)[0]
	host, _ := ds.JSONData["host"].(string)
	ch, ok := c.Services[host]
	if !ok || !strings.HasPrefix(ch.Image, "clickhouse/clickhouse-server:") {
		t.Fatalf("the data source's host %q is not the compose stack's ClickHouse service", host)
	}
	user, _ := ds.JSONData["username"].(string)
	password, _ := ds.SecureJSONData["password"].(string)
	database, _ := ds.JSONData["defaultDatabase"].(string)
	found := false
	for target, src := range mounts(t, ch.Volumes) {
		if path.Dir(target) != "/etc/clickhouse-server/users.d" {
			continue
		}
		raw, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		var cfg xmlNode
		if err := xml.Unmarshal(raw, &cfg); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		u := cfg.child("users").child(user)
		if u == nil {
			continue
		}
		found = true
		if u.child("password").text() != password {
			t.Errorf("%s: user %s has another password than the data source's", src, user)
		}
		var dbs []string
		for _, n := range u.child("allow_databases").children("database") {
			dbs = append(dbs, n.text())
		}
		if !slices.Contains(dbs, database) {
			t.Errorf("%s: user %s may read %v, not the data source's database %s", src, user, dbs, database)
		}
		if ro := cfg.child("profiles").child(u.child("profile").text()).child("readonly").text(); ro != "1" && ro != "2" {
			t.Errorf("%s: user %s's profile %q has readonly %q: Grafana's user must only read", src, user, u.child("profile").text(), ro)
		}
	}
	if !found {
		t.Errorf("no users.d file mounted into %s defines the data source's user %s", host, user)
	}
	migrate, ok := c.Services["migrate"]
	if !ok {
		t.Fatal("docker-compose.yml has no migrate service")
	}
	dsn, err := url.Parse(migrate.Environment["CHAINSLEUTH_CLICKHOUSE"])
	if err != nil || dsn.Hostname() != host || strings.Trim(dsn.Path, "/") != database {
		t.Errorf("migrate writes to %q, Grafana reads %s on %s", migrate.Environment["CHAINSLEUTH_CLICKHOUSE"], database, host)
	}
}

// xmlNode is an element of a ClickHouse configuration file.
type xmlNode struct {
	XMLName xml.Name
	Text    string    `xml:",chardata"`
	Nodes   []xmlNode `xml:",any"`
}

// child is the first child element called name, or nil (a nil node has no children).
func (n *xmlNode) child(name string) *xmlNode {
	if n == nil {
		return nil
	}
	for i := range n.Nodes {
		if n.Nodes[i].XMLName.Local == name {
			return &n.Nodes[i]
		}
	}
	return nil
}

func (n *xmlNode) children(name string) []*xmlNode {
	var out []*xmlNode
	if n != nil {
		for i := range n.Nodes {
			if n.Nodes[i].XMLName.Local == name {
				out = append(out, &n.Nodes[i])
			}
		}
	}
	return out
}

func (n *xmlNode) text() string {
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.Text)
}
