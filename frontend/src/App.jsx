import { Route, Routes } from 'react-router-dom';

// Scaffold: the web-app work (issue 10) fills in the pages, the layout and the session.
export default function App() {
  return (
    <Routes>
      <Route
        path="*"
        element={
          <main className="p-6">
            <h1 className="text-2xl font-bold">Bachata Buddy</h1>
          </main>
        }
      />
    </Routes>
  );
}
