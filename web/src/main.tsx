import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError } from './api.ts';
import { App } from './app.tsx';
import { AuthProvider } from './auth.tsx';
import './styles.css';

const client = new QueryClient({
  defaultOptions: {
    // Live events keep queries fresh; refetching on focus covers a laptop waking up.
    // A 4xx answer (a deleted photo's 404) is final: asking again only doubles it in the console.
    queries: {
      staleTime: 5_000,
      retry: (failures, error) =>
        failures < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      refetchOnWindowFocus: true,
    },
  },
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <AuthProvider>
        <App />
      </AuthProvider>
    </QueryClientProvider>
  </StrictMode>,
);
